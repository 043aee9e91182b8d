"""A realistic synthetic population for demos and load tests: ``flask --app app demo-data --persons N --seed S``.

It builds blocks, buildings and houses over the seeded committees, then households of persons with valid ID
numbers, their residences (a few with an earlier, cancelled one; a few with no current one) and vehicles.

Speed matters (200,000 persons in well under a minute), so it bypasses the ORM: SQLAlchemy Core ``insert()``
executemany in batches, with primary keys computed here (from max(id)) so no RETURNING is needed. Bypassing the
ORM also bypasses the flush hook of app/population/integrity.py, so this module keeps its rules itself:
- sex and birth date are the ones the ID number encodes (the number is built from them by ``make_id_number``);
- house, residence and vehicle carry the committee of their building / house;
- a person's committee is the one of their active residence (or of their last one if none is active);
- at most one active residence per person, and end_date >= start_date with an end_reason when cancelled.

Deterministic for a given seed (one ``random.Random(seed)``; residence and permit dates are relative to the day
of the run, names and ID numbers are not). Running it again adds a second population: existing ID numbers and
plates are skipped, new buildings go on new lanes (弄) after the highest lane already used on each street, and new
blocks continue the numbering.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import re
from typing import Any, Iterable, Sequence

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from app.domain import clock
from app.domain.rules import DEFAULT_RULES
from app.domain.idnumber import make_id_number
from app.models import Block, Building, Committee, House, Person, Residence, Vehicle
from app.models.population import ID_TYPE_RESIDENT
from app.monthly.table import rebuild_all
from app.verification.models import VerificationRecord, rebuild_coverage

BATCH_SIZE = 10_000
PERSONS_PER_HOUSE = 2.6
VACANCY = 1.04  # a few more houses than households need: some stand empty

# --------------------------------------------------------------------------------------------------------------
# Weighted vocabularies
# --------------------------------------------------------------------------------------------------------------


class _Pick:
    """Weighted choice by bisecting cumulative weights: several times faster than ``Random.choices`` per call."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: Iterable[tuple[Any, float]]):
        self.items: list[Any] = []
        self.cum: list[float] = []
        total = 0.0
        for item, weight in pairs:
            total += weight
            self.items.append(item)
            self.cum.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _dedupe(chars: str) -> list[str]:
    return list(dict.fromkeys(c for c in chars if not c.isspace()))


# ~100 surnames, roughly in Shanghai frequency order (张王陈李, then the local 徐朱沈陆顾...): Zipf-like weights.
_SURNAMES = _dedupe(
    "张王陈李徐朱周沈陆吴刘顾杨黄孙金胡钱蒋赵施姚马唐许郭曹范郑高倪俞潘汪何叶林宋邱丁袁方戴孔夏邵严冯程韩谢"
    "罗梁蔡董石殷龚秦汤卢贾吕魏姜曾彭田萧余杜苏任侯葛瞿邹费薛毛江童杭浦郁谈闵卫褚翁庄柏奚贝季盛单鲍凌"
) + ["欧阳", "司马"]
SURNAME = _Pick((s, 1.0 / (rank + 6)) for rank, s in enumerate(_SURNAMES))

_MALE_CHARS = _dedupe(
    "伟强军磊勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭龙林建国民荣成东海峰兵志忠庆祥德福生元全胜学祖武"
    "利彬富顺信昌发振良贵博轩泽宏豪毅鸿锋亮晖栋维睿哲航铭皓诚源阳坤山"
)
_FEMALE_CHARS = _dedupe(
    "芳娜敏静丽艳娟霞秀英玲桂兰萍红燕梅琳雪慧颖婷洁倩琴云莉怡蓉婉淑瑶媛薇晶丹凤珍琼菊月莹露瑾璐妍茜彤"
    "悦诗梦雅涵萱琪佩娅岚蕾珊琦婕韵爱素美翠玉"
)
_NEUTRAL_CHARS = _dedupe("文晓子一思嘉安乐心天佳新春家雨晨清永立小正益庆世卫金宁欣")
MALE_GIVEN = _Pick([(c, 3.0) for c in _MALE_CHARS] + [(c, 1.0) for c in _NEUTRAL_CHARS])
FEMALE_GIVEN = _Pick([(c, 3.0) for c in _FEMALE_CHARS] + [(c, 1.0) for c in _NEUTRAL_CHARS])

# Region codes (first 6 digits) of Shanghai districts (incl. pre-merger ones: 南市, 卢湾, 闸北, 南汇) ...
SHANGHAI_REGION = _Pick([
    ("310115", 45), ("310101", 8), ("310102", 6), ("310103", 3), ("310104", 6), ("310105", 3), ("310106", 4),
    ("310107", 4), ("310108", 3), ("310109", 5), ("310110", 6), ("310112", 3), ("310113", 2), ("310225", 3),
    ("310230", 2),
])
# ... and of the counties most migrants to Pudong come from, with the place name for the registered address.
_MIGRANT_REGIONS: list[tuple[str, str, float]] = [
    ("340121", "安徽省长丰县", 3), ("340122", "安徽省肥东县", 3), ("340123", "安徽省肥西县", 2),
    ("341221", "安徽省临泉县", 4), ("341222", "安徽省太和县", 3), ("341225", "安徽省阜南县", 3),
    ("341226", "安徽省颍上县", 3), ("340822", "安徽省怀宁县", 2), ("341623", "安徽省利辛县", 2),
    ("341322", "安徽省萧县", 2), ("320321", "江苏省丰县", 2), ("320322", "江苏省沛县", 2),
    ("320324", "江苏省睢宁县", 2), ("320826", "江苏省涟水县", 2), ("320923", "江苏省阜宁县", 2),
    ("321323", "江苏省泗阳县", 2), ("412724", "河南省太康县", 3), ("411522", "河南省光山县", 2),
    ("411528", "河南省息县", 2), ("412726", "河南省郸城县", 2), ("411325", "河南省内乡县", 1),
    ("411421", "河南省民权县", 1), ("510922", "四川省射洪县", 2), ("511602", "四川省广安市广安区", 2),
    ("511321", "四川省南部县", 2), ("511923", "四川省平昌县", 1), ("510722", "四川省三台县", 2),
    ("511025", "四川省资中县", 1), ("430521", "湖南省邵东县", 2), ("430626", "湖南省平江县", 1),
    ("431021", "湖南省桂阳县", 1), ("430725", "湖南省桃源县", 1), ("360124", "江西省进贤县", 2),
    ("360428", "江西省都昌县", 1), ("360730", "江西省宁都县", 1), ("362329", "江西省余干县", 1),
    ("330327", "浙江省苍南县", 1), ("330381", "浙江省瑞安市", 1), ("371321", "山东省沂南县", 1),
    ("372925", "山东省单县", 1), ("421123", "湖北省罗田县", 1), ("420922", "湖北省大悟县", 1),
    ("500235", "重庆市云阳县", 1), ("500238", "重庆市巫溪县", 1), ("350583", "福建省南安市", 1),
    ("522427", "贵州省威宁彝族回族苗族自治县", 1),
]
MIGRANT_REGION = _Pick(((code, place), w) for code, place, w in _MIGRANT_REGIONS)
_TOWNS = _dedupe("城关新集李集王庄张店杨桥马集刘圩陈湾孙寨高庙黄岗")
_TOWN_NAMES = [a + b for a, b in zip(_TOWNS[0::2], _TOWNS[1::2])]
_VILLAGES = ["东风", "红旗", "光明", "新华", "永安", "和平", "前进", "胜利", "联合", "团结", "幸福", "长岗"]

# 人户分离: registered elsewhere in Shanghai.
_SHANGHAI_ROADS = {
    "黄浦区": ("中山南路", "复兴东路", "陆家浜路"), "徐汇区": ("漕溪北路", "龙华西路", "田林路"),
    "长宁区": ("仙霞路", "天山路"), "静安区": ("共和新路", "天目中路"), "普陀区": ("曹杨路", "真如路"),
    "虹口区": ("四平路", "临平路"), "杨浦区": ("控江路", "长阳路"), "闵行区": ("莘松路", "七莘路"),
    "宝山区": ("牡丹江路", "友谊路"), "浦东新区": ("浦东南路", "崂山路", "东方路", "杨高南路"),
}
_SH_DISTRICT_ROADS = [(d, r) for d, roads in _SHANGHAI_ROADS.items() for r in roads]

# The street of a committee's buildings, by the first character of its name (花城 lies on 上南路).
_STREETS = {"钢": "上南路", "德": "德州路", "济": "济阳路", "耀": "耀华路", "花": "上南路"}
_STREET_FIRST_LANE = {"上南路": 1200, "德州路": 100, "济阳路": 201, "耀华路": 300}
_LANE_RE = re.compile(r"^(.+?路)(\d+)弄")
_BLOCK_RE = re.compile(r"^第(\d+)区块$")

ROOMS_PER_FLOOR = _Pick([(2, 25), (3, 20), (4, 30), (5, 10), (6, 15)])

# Ages (years before 2024, so birth years 1930-2024): an old city; migrants are mostly of working age.
_AGE_BANDS_LOCAL = [(0, 6, 5), (7, 14, 6), (15, 24, 8), (25, 34, 12), (35, 44, 13), (45, 54, 14), (55, 64, 16),
                    (65, 74, 15), (75, 84, 8), (85, 94, 3)]
_AGE_BANDS_MIGRANT = [(0, 6, 6), (7, 14, 6), (15, 17, 2), (18, 24, 12), (25, 34, 26), (35, 44, 22),
                      (45, 54, 15), (55, 64, 8), (65, 80, 3)]
AGE_LOCAL = _Pick(((lo, hi), w) for lo, hi, w in _AGE_BANDS_LOCAL)
AGE_MIGRANT = _Pick(((lo, hi), w) for lo, hi, w in _AGE_BANDS_MIGRANT)
_BIRTH_ANCHOR_YEAR = 2024

HOUSEHOLD_SIZE = _Pick([(1, 20), (2, 30), (3, 28), (4, 14), (5, 6), (6, 2)])
PHONE_PREFIX = _Pick(
    [(f"13{d}", 3) for d in range(10)]
    + [(f"15{d}", 2) for d in range(10) if d != 4]
    + [(f"18{d}", 2) for d in range(10)]
)
END_REASON_EARLIER = _Pick([("房屋出售", 3), ("租约到期", 3), ("居住地变更", 2), ("搬离本区", 1)])
END_REASON_GONE_LOCAL = _Pick([("搬离本区", 5), ("房屋出售", 3), ("迁往外省市", 1)])
END_REASON_GONE_MIGRANT = _Pick([("迁往外省市", 5), ("搬离本区", 3), ("租约到期", 2)])

PLATE_AREA = _Pick([(c, w) for c, w in zip("ABCDEFGHJKLMN", (30, 15, 10, 8, 6, 6, 6, 5, 5, 4, 4, 3, 3))])
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O
_PROVINCE_PLATE = {"34": "皖", "32": "苏", "41": "豫", "51": "川", "43": "湘", "36": "赣", "33": "浙", "37": "鲁",
                   "42": "鄂", "50": "渝", "35": "闽", "52": "贵"}


# --------------------------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------------------------


def generate_population(engine: Engine, persons: int, seed: int, *, today: dt.date | None = None) -> dict[str, int]:
    """Add ``persons`` residents with the blocks, buildings and houses they live in, their residences and vehicles.

    Everything is written in one transaction: a failure leaves the database as it was."""
    if persons < 1:
        raise ValueError("persons must be at least 1")
    today = today or clock.local_today()
    now = clock.utcnow().replace(microsecond=0)

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Explicit ids from max(id): keep concurrent writers out until we commit.
            conn.execute(text(
                "LOCK TABLE block, building, house, person, residence, vehicle IN SHARE ROW EXCLUSIVE MODE"
            ))
        # On an empty population the seed alone decides everything; a second run with the same seed adds other
        # people (not the same names and birth dates again), still reproducibly.
        last_person = conn.execute(select(func.max(Person.id))).scalar()
        rng = random.Random(seed if not last_person else f"{seed}+{last_person}")
        gen = _Generator(conn, rng, today, now)
        counts = gen.run(persons)
        if conn.dialect.name == "postgresql":
            for table in ("block", "building", "house", "person", "residence", "vehicle"):
                # Later ORM inserts take ids from the sequence, which our explicit ids did not advance.
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "
                    "HAVING max(id) IS NOT NULL"
                ))
    return counts


_WRITE_ORDER = [Block.__table__, Building.__table__, House.__table__, Person.__table__, Residence.__table__,
                Vehicle.__table__]


class _Generator:
    def __init__(self, conn: Connection, rng: random.Random, today: dt.date, now: dt.datetime):
        self.conn = conn
        self.rng = rng
        self.today = today
        self.today_ord = today.toordinal()
        self.now = now
        self.counts = {"committees": 0, "blocks": 0, "buildings": 0, "houses": 0, "persons": 0, "residences": 0,
                       "vehicles": 0}
        self._buffers: dict[Any, list[dict]] = {}

    # -- database helpers --------------------------------------------------------------------------------------

    def _next_id(self, table) -> int:
        return (self.conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1

    def _add(self, table, row: dict) -> None:
        buf = self._buffers.setdefault(table, [])
        buf.append(row)
        if len(buf) >= BATCH_SIZE:
            self._flush(table)

    def _flush(self, table) -> None:
        """Write the rows buffered for ``table``, after those of the tables it refers to (foreign keys)."""
        for t in _WRITE_ORDER[: _WRITE_ORDER.index(table) + 1]:
            buf = self._buffers.get(t)
            if buf:
                self.conn.execute(insert(t), buf)
                self._buffers[t] = []

    # -- the run ----------------------------------------------------------------------------------------------

    def run(self, persons: int) -> dict[str, int]:
        conn = self.conn
        committees = conn.execute(
            select(Committee.id, Committee.name, Committee.key_area).order_by(Committee.seq, Committee.id)
        ).all()
        if not committees:
            raise RuntimeError("There are no committees in the database: run flask --app app seed first.")
        self.counts["committees"] = len(committees)
        self._build_organisation(committees, persons)
        self._build_population(persons)
        self._build_vehicles()
        return self.counts

    # -- blocks, buildings, houses ------------------------------------------------------------------------------

    def _build_organisation(self, committees: Sequence, persons: int) -> None:
        rng, conn = self.rng, self.conn
        block_t, building_t, house_t = Block.__table__, Building.__table__, House.__table__

        # Where the existing population stops: last lane per street, last block number per committee.
        next_lane: dict[str, int] = dict(_STREET_FIRST_LANE)
        for (name,) in conn.execute(select(Building.name)):
            m = _LANE_RE.match(name)
            if m:
                street, lane = m.group(1), int(m.group(2))
                if lane >= next_lane.get(street, 0):
                    next_lane[street] = lane + 2  # same side of the street
        last_block: dict[int, int] = {}
        existing_buildings: dict[int, set[str]] = {}
        for committee_id, name in conn.execute(select(Block.committee_id, Block.name)):
            m = _BLOCK_RE.match(name)
            if m:
                last_block[committee_id] = max(last_block.get(committee_id, 0), int(m.group(1)))
        for committee_id, name in conn.execute(select(Building.committee_id, Building.name)):
            existing_buildings.setdefault(committee_id, set()).add(name)

        # Uneven committees: a few large estates, a few small ones.
        weights = [rng.uniform(0.55, 1.6) for _ in committees]
        total_houses = max(len(committees), math.ceil(persons / PERSONS_PER_HOUSE * VACANCY))
        wsum = sum(weights)
        quotas = [max(1, round(total_houses * w / wsum)) for w in weights]

        block_id, building_id, house_id = self._next_id(block_t), self._next_id(building_t), self._next_id(house_t)
        # Per house (index = house_id - first house id): committee, rental, address. Kept for the population.
        self.first_house_id = house_id
        self.house_committee: list[int] = []
        self.house_rental: list[bool] = []
        self.house_address: list[str] = []

        for (committee_id, committee_name, committee_key), quota in zip(committees, quotas):
            street = _STREETS.get(committee_name[:1], "上南路")
            taken = existing_buildings.get(committee_id, set())
            # Lay out buildings lane by lane until the committee has its share of houses.
            buildings: list[tuple[str, int, int]] = []  # (name, floors, rooms per floor)
            houses_planned = 0
            while houses_planned < quota:
                lane = next_lane.get(street, 100)
                next_lane[street] = lane + rng.choice((2, 2, 4, 6))
                for number in range(1, rng.randint(8, 30) + 1):
                    name = f"{street}{lane}弄{number}号"
                    if name in taken:
                        continue
                    floors, per_floor = rng.randint(5, 7), ROOMS_PER_FLOOR(rng)
                    buildings.append((name, floors, per_floor))
                    houses_planned += floors * per_floor
                    if houses_planned >= quota:
                        break

            n_blocks = max(1, min(rng.randint(4, 6), len(buildings)))
            block_ids = []
            first_block_no = last_block.get(committee_id, 0) + 1
            for k in range(n_blocks):
                self._add(block_t, {"id": block_id, "committee_id": committee_id, "name": f"第{first_block_no + k}区块"})
                block_ids.append(block_id)
                block_id += 1
            self.counts["blocks"] += n_blocks

            key_share = 0.2 if committee_key else 0.03
            for i, (name, floors, per_floor) in enumerate(buildings):
                this_block = block_ids[i * n_blocks // len(buildings)]
                self._add(building_t, {"id": building_id, "committee_id": committee_id, "block_id": this_block,
                                       "name": name})
                key_building = rng.random() < key_share
                for floor in range(1, floors + 1):
                    for room_no in range(1, per_floor + 1):
                        room = f"{floor}{room_no:02d}"
                        rental = rng.random() < 0.15
                        address = f"{name}{room}室"
                        self._add(house_t, {"id": house_id, "committee_id": committee_id, "building_id": building_id,
                                            "room": room, "address": address, "is_rental": rental,
                                            "key_area": key_building or rng.random() < 0.005})
                        self.house_committee.append(committee_id)
                        self.house_rental.append(rental)
                        self.house_address.append(address)
                        house_id += 1
                building_id += 1
            self.counts["buildings"] += len(buildings)

        self.counts["houses"] = len(self.house_committee)
        self._flush(house_t)

    # -- persons and residences ---------------------------------------------------------------------------------

    def _build_population(self, persons: int) -> None:
        rng, conn = self.rng, self.conn
        person_t, residence_t = Person.__table__, Residence.__table__
        used_ids: set[str] = set(conn.execute(select(Person.id_number)).scalars())
        person_id, residence_id = self._next_id(person_t), self._next_id(residence_t)
        first_residence_id = residence_id
        n_houses = len(self.house_committee)
        order = list(range(n_houses))
        rng.shuffle(order)
        # house index -> ids of adults living there now (vehicle owners), and the home province of a migrant owner
        self.house_adults: dict[int, list[tuple[int, str | None]]] = {}

        today_ord, now = self.today_ord, self.now
        made = 0
        slot = 0
        while made < persons:
            if slot < n_houses:
                h = order[slot]
            else:  # more persons than households: extra members join random houses
                h = rng.randrange(n_houses)
            slot += 1
            size = min(HOUSEHOLD_SIZE(rng), persons - made)
            rental = self.house_rental[h]
            migrant_household = rng.random() < (0.85 if rental else 0.22)
            head_surname = None
            for member in range(size):
                if migrant_household:
                    category = "migrant" if rng.random() < 0.97 else "separated"
                else:
                    category = "separated" if rng.random() < 0.21 else "shanghai_household"
                migrant = category == "migrant"
                # identity
                male = rng.random() < 0.5
                lo, hi = (AGE_MIGRANT if migrant else AGE_LOCAL)(rng)
                if member == 0 and hi < 20:  # a household is headed by an adult
                    lo, hi = 20, 60
                age = rng.randint(lo, hi)
                year = _BIRTH_ANCHOR_YEAR - age
                birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))
                if migrant:
                    region, home_place = MIGRANT_REGION(rng)
                else:
                    region, home_place = SHANGHAI_REGION(rng), None
                seq = rng.randrange(500) * 2 + (1 if male else 0)
                number = make_id_number(region, birth, seq)
                tries = 0
                while number in used_ids:
                    tries += 1
                    if tries >= 500:  # every sequence of that day is taken: move a day
                        birth -= dt.timedelta(days=1)
                        tries = 0
                    seq = (seq + 2) % 1000
                    number = make_id_number(region, birth, seq)
                used_ids.add(number)

                if member == 0 or rng.random() >= 0.6:
                    surname = SURNAME(rng)
                    if member == 0:
                        head_surname = surname
                else:
                    surname = head_surname
                pool = MALE_GIVEN if male else FEMALE_GIVEN
                given = pool(rng) + pool(rng) if rng.random() < 0.72 else pool(rng)
                adult = age >= 16

                # registration
                if category == "shanghai_household":
                    registered = "上海市浦东新区" + self.house_address[h]
                elif category == "separated":
                    district, road = _SH_DISTRICT_ROADS[rng.randrange(len(_SH_DISTRICT_ROADS))]
                    registered = (f"上海市{district}{road}{rng.randint(1, 1500)}弄{rng.randint(1, 60)}号"
                                  f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室")
                else:
                    town = _TOWN_NAMES[rng.randrange(len(_TOWN_NAMES))]
                    village = _VILLAGES[rng.randrange(len(_VILLAGES))]
                    registered = f"{home_place}{town}镇{village}村{rng.randint(1, 12)}组"
                phone = None
                if adult and rng.random() < (0.7 if age >= 80 else 0.93):
                    phone = f"{PHONE_PREFIX(rng)}{rng.randrange(10**8):08d}"
                permit_no = permit_expiry = None
                if migrant and adult:
                    permit_no = f"3101{rng.randrange(10**14):014d}"
                    # valid for a year or three; about one in six has lapsed
                    permit_expiry = dt.date.fromordinal(today_ord + rng.randint(-300, 1500))

                # residences
                birth_ord = birth.toordinal()
                if migrant:
                    back = min(int(rng.expovariate(1 / 900)) + 15, 8 * 365)
                elif category == "separated":
                    back = rng.randint(15, 15 * 365)
                else:
                    back = rng.randint(30, 40 * 365)
                start_ord = max(birth_ord, today_ord - back)
                if start_ord >= today_ord:
                    start_ord = today_ord - 1
                committee_id = self.house_committee[h]
                house_id = self.first_house_id + h
                roll = rng.random()
                residences: list[dict] = []
                if roll < 0.02:
                    # 核销 only: left the subdistrict, no current residence
                    end_ord = start_ord + rng.randrange(max(1, today_ord - start_ord))
                    reasons = END_REASON_GONE_MIGRANT if migrant else END_REASON_GONE_LOCAL
                    residences.append({"id": residence_id, "person_id": person_id, "house_id": house_id,
                                       "committee_id": committee_id, "start_date": dt.date.fromordinal(start_ord),
                                       "end_date": dt.date.fromordinal(end_ord), "end_reason": reasons(rng),
                                       "created_at": now})
                    residence_id += 1
                else:
                    if roll < 0.08 and start_ord - birth_ord > 400:
                        # an earlier residence in the subdistrict, cancelled when they moved here
                        prev = rng.randrange(n_houses)
                        prev_end = start_ord - rng.randrange(0, 60)
                        prev_start = max(birth_ord, prev_end - rng.randint(180, 10 * 365))
                        residences.append({"id": residence_id, "person_id": person_id,
                                           "house_id": self.first_house_id + prev,
                                           "committee_id": self.house_committee[prev],
                                           "start_date": dt.date.fromordinal(prev_start),
                                           "end_date": dt.date.fromordinal(prev_end),
                                           "end_reason": END_REASON_EARLIER(rng), "created_at": now})
                        residence_id += 1
                    residences.append({"id": residence_id, "person_id": person_id, "house_id": house_id,
                                       "committee_id": committee_id, "start_date": dt.date.fromordinal(start_ord),
                                       "end_date": None, "end_reason": None, "created_at": now})
                    residence_id += 1
                    if adult:
                        self.house_adults.setdefault(h, []).append((person_id, region[:2] if migrant else None))

                self._add(person_t, {
                    "id": person_id, "name": surname + given, "id_type": ID_TYPE_RESIDENT, "id_number": number,
                    "sex": "M" if male else "F", "birth_date": birth, "category": category,
                    "registered_address": registered, "phone": phone, "residence_permit_no": permit_no,
                    "residence_permit_expiry": permit_expiry, "committee_id": committee_id,
                    "created_at": now, "updated_at": now,
                })
                for row in residences:  # after their person: a flush writes persons before residences
                    self._add(residence_t, row)
                person_id += 1
                made += 1

        self._flush(residence_t)
        self.counts["persons"] = made
        self.counts["residences"] = residence_id - first_residence_id

    # -- vehicles -------------------------------------------------------------------------------------------------

    def _build_vehicles(self) -> None:
        rng, conn = self.rng, self.conn
        vehicle_t = Vehicle.__table__
        plates: set[str] = set(conn.execute(select(Vehicle.plate)).scalars())
        vehicle_id = self._next_id(vehicle_t)
        made = 0
        for h in sorted(self.house_adults):
            if rng.random() >= 0.12:
                continue
            adults = self.house_adults[h]
            for _ in range(2 if rng.random() < 0.08 else 1):
                owner_id, province = adults[rng.randrange(len(adults))]
                while True:
                    plate = self._plate(province)
                    if plate not in plates:
                        break
                plates.add(plate)
                self._add(vehicle_t, {"id": vehicle_id, "plate": plate, "owner_id": owner_id,
                                      "house_id": self.first_house_id + h, "committee_id": self.house_committee[h]})
                vehicle_id += 1
                made += 1
        self._flush(vehicle_t)
        self.counts["vehicles"] = made

    def _plate(self, province: str | None) -> str:
        rng = self.rng
        if province and province in _PROVINCE_PLATE and rng.random() < 0.25:
            prefix = _PROVINCE_PLATE[province] + _PLATE_LETTERS[rng.randrange(8)]
        else:
            prefix = "沪" + PLATE_AREA(rng)
        roll = rng.random()
        if roll < 0.15:  # new-energy plate: D or F and five digits
            return f"{prefix}{'DF'[rng.randrange(2)]}{rng.randrange(100000):05d}"
        chars = [str(rng.randrange(10)) for _ in range(5)]
        if roll < 0.5:
            chars[rng.randrange(5)] = _PLATE_LETTERS[rng.randrange(len(_PLATE_LETTERS))]
        return prefix + "".join(chars)


# --------------------------------------------------------------------------------------------------------------
# Verification records (issue 6)
# --------------------------------------------------------------------------------------------------------------

_FOUND_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_FOUND_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def generate_verifications(engine: Engine, count: int, seed: int, *, today: dt.date | None = None) -> dict[str, int]:
    """Add ``count`` verification records over the year ending ``today``: Wednesdays and Fridays, day and night
    groups, building by building (a slot takes a run of persons sorted by house), mostly correct with a few percent
    of 应消未消 and 应登未登, ~8% cross checks in March and September, a few self-declared and window checks.

    The volume per committee and month is count / (23 × 12): about 32,000 records give the plan's realistic
    80–150 persons per committee per month; 1,000,000 records are the benchmark's load. Needs the population
    (generate_population) and at least one user. One transaction, Core executemany with explicit ids."""
    if count < 1:
        raise ValueError("count must be at least 1")
    today = today or clock.local_today()
    rng = random.Random(f"verifications:{seed}")
    vr = VerificationRecord.__table__
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE verification_record IN SHARE ROW EXCLUSIVE MODE"))
        residents = conn.execute(
            select(Residence.committee_id, Residence.house_id, Residence.person_id)
            .where(Residence.end_date.is_(None)).order_by(Residence.committee_id, Residence.house_id,
                                                          Residence.person_id)).all()
        if not residents:
            raise RuntimeError("There is no population: run flask --app app demo-data --persons N first.")
        by_committee: dict[int, list[tuple[int, int]]] = {}
        for committee_id, house_id, person_id in residents:
            by_committee.setdefault(committee_id, []).append((house_id, person_id))
        user_rows = conn.execute(text(
            "SELECT u.id, r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
            "JOIN ab_role r ON r.id = ur.role_id")).all()
        members = [u for u, r in user_rows if r == "team_member"] or [u for u, _r in user_rows]
        if not members:
            members = [u for (u,) in conn.execute(text("SELECT id FROM ab_user")).all()]
        if not members:
            raise RuntimeError("There is no user: run flask --app app seed first.")
        police = [u for u, r in user_rows if r == "community_police"]
        days = [today - dt.timedelta(days=n) for n in range(365)]
        days = sorted(d for d in days if d.weekday() in (2, 4))
        committees = sorted(by_committee)
        slots = [(c, d, s) for c in committees for d in days for s in ("day", "night")]
        weights = [0.7 if s == "day" else 0.3 for _c, _d, s in slots]
        per_slot: dict[int, int] = {}
        for i in rng.choices(range(len(slots)), weights=weights, k=count):
            per_slot[i] = per_slot.get(i, 0) + 1
        next_id = (conn.execute(select(func.max(vr.c.id))).scalar() or 0) + 1
        found_seq = 0
        batch: list[dict] = []
        counts = {"records": 0, "correct": 0, "should_register": 0, "should_cancel": 0}
        used: set[tuple[int, dt.date, str]] = set()
        for i in sorted(per_slot):
            committee_id, day, shift = slots[i]
            people = by_committee[committee_id]
            n = min(per_slot[i], len(people))
            start = rng.randrange(len(people))
            cross_month = day.month in DEFAULT_RULES.cross_check_months
            hour = rng.randrange(1, 8) if shift == "day" else rng.randrange(10, 13)  # UTC: 09–16 / 18–21 local
            recorder = members[rng.randrange(len(members))]
            officer = police[rng.randrange(len(police))] if police else None
            for k in range(n):
                house_id, person_id = people[(start + k) % len(people)]
                roll = rng.random()
                kind = ("cross" if cross_month and roll < 0.08 else
                        "self_declared" if roll > 0.98 else "window" if roll > 0.965 else "monthly")
                r = rng.random()
                result = "should_register" if r < 0.025 else "should_cancel" if r < 0.05 else "correct"
                row = {"id": next_id, "checked_on": day,
                       "checked_at": dt.datetime.combine(day - dt.timedelta(days=1 if hour >= 16 else 0),
                                                         dt.time(hour, rng.randrange(60), rng.randrange(60))),
                       "committee_id": committee_id, "house_id": house_id, "person_id": person_id,
                       "found_name": None, "found_id_number": None, "result": result, "kind": kind, "shift": shift,
                       "police_user_id": officer, "recorded_by_fk": recorder,
                       "entered_into_pda": rng.random() < 0.9, "on_roster": rng.random() < 0.97,
                       "change_case_id": None, "note": None}
                if result == "should_register":
                    found_seq += 1
                    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
                    row.update(person_id=None, found_name=_FOUND_SURNAMES[rng.randrange(len(_FOUND_SURNAMES))] + _FOUND_GIVEN[
                        rng.randrange(len(_FOUND_GIVEN))], found_id_number=make_id_number(
                        "41%04d" % (found_seq // 999 % 10000), birth, found_seq % 999 + 1))
                elif (person_id, day, kind) in used:
                    continue
                else:
                    used.add((person_id, day, kind))
                batch.append(row)
                next_id += 1
                counts["records"] += 1
                counts[result] += 1
                if len(batch) >= BATCH_SIZE:
                    conn.execute(insert(vr), batch)
                    batch = []
        if batch:
            conn.execute(insert(vr), batch)

        rebuild_coverage(conn)  # the first-visit tables the coverage page counts (Core inserts skip the ORM hook)
        rebuild_all(conn)  # verification_latest: the monthly counts of the table, the home and coverage pages
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('verification_record', 'id'), max(id)) "
                              "FROM verification_record HAVING max(id) IS NOT NULL"))
    return counts
