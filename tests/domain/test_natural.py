"""Natural order of buildings, rooms and addresses (app/domain/natural.py)."""
from __future__ import annotations

from app.domain.natural import KEY_LENGTH, natural_key, natural_sorted


def test_buildings_1_to_15_come_in_the_order_people_count():
    names = [f"{n}号楼" for n in (10, 11, 12, 13, 14, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9)]
    assert sorted(names) != [f"{n}号楼" for n in range(1, 16)]  # what the lists showed before
    assert natural_sorted(names) == [f"{n}号楼" for n in range(1, 16)]


def test_every_number_in_an_address_counts():
    addresses = ["上南路100弄10号1201室", "上南路100弄2号301室", "上南路99弄1号101室", "上南路100弄2号1101室",
                 "上南路100弄2号302室"]
    assert natural_sorted(addresses) == ["上南路99弄1号101室", "上南路100弄2号301室", "上南路100弄2号302室",
                                         "上南路100弄2号1101室", "上南路100弄10号1201室"]


def test_full_width_digits_leading_zeros_and_case_are_read_as_people_read_them():
    assert natural_key("１２号楼") == natural_key("12号楼")
    assert natural_key("012室") == natural_key("12室")
    assert natural_key("A座") == natural_key("a座")
    assert natural_sorted(["B2", "a10", "A2", "b1"]) == ["A2", "a10", "b1", "B2"]


def test_rooms_with_letters_and_dashes():
    rooms = ["1-10", "1-2", "2-1", "101A", "101", "12"]
    assert natural_sorted(rooms) == ["1-2", "1-10", "2-1", "12", "101", "101A"]


def test_empty_long_and_huge_numbers():
    assert natural_key(None) == natural_key("") == ""
    assert len(natural_key("路" * 400)) == KEY_LENGTH
    assert natural_sorted(["99999999999号", "12号"]) == ["12号", "99999999999号"]
    assert natural_sorted(["99999999999号", "100000000000号"]) == ["99999999999号", "100000000000号"]
