from datetime import date

import pytest

from app.domain.idnumber import (
    InvalidIdNumber,
    check_character,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    mask_phone,
    parse_id_number,
)

TODAY = date(2024, 6, 1)
# The standard's own example number.
EXAMPLE = "11010519491231002X"


def test_check_character_of_the_standard_example():
    assert check_character(EXAMPLE[:17]) == "X"
    # Hand computed: weights · digits of 31011519900101123 = 164 → 164 mod 11 = 10 → "2".
    assert check_character("31011519900101123") == "2"


def test_parse_gives_region_birth_date_and_sex():
    info = parse_id_number(" 11010519491231002x ", TODAY)
    assert info.number == EXAMPLE
    assert info.region == "110105"
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "F"  # sequence 002 is even
    assert parse_id_number("310115199001011232", TODAY).sex == "M"  # 123 is odd


def test_full_width_input_is_accepted():
    assert parse_id_number("１１０１０５１９４９１２３１００２ｘ", TODAY).number == EXAMPLE


@pytest.mark.parametrize("value, code", [
    ("11010519491231002", "length"),
    ("1101051949123100211", "length"),
    ("", "length"),
    ("1101051949123100AX", "characters"),
    ("11010519491231002Y", "characters"),
    ("110105194902300021", "birth_date"),  # 30 February
    ("110105189912310021", "birth_date"),  # before 1900
    ("110105203001010021", "future"),
    ("110105194912310021", "checksum"),
])
def test_refused_numbers_carry_a_reason_code(value, code):
    with pytest.raises(InvalidIdNumber) as err:
        parse_id_number(value, TODAY)
    assert err.value.code == code
    assert str(err.value)  # an English message
    assert isinstance(err.value, ValueError)
    assert not is_valid_id_number(value, TODAY)


def test_born_today_is_fine_born_tomorrow_is_not():
    assert is_valid_id_number(make_id_number("310115", TODAY, 1), TODAY)
    assert not is_valid_id_number(make_id_number("310115", date(2024, 6, 2), 1), TODAY)


def test_make_id_number_builds_valid_numbers():
    for seq in (0, 1, 2, 99, 500, 999):
        for born in (date(1900, 1, 1), date(1949, 12, 31), date(2000, 2, 29), date(2023, 10, 9)):
            number = make_id_number("310115", born, seq)
            info = parse_id_number(number, TODAY)
            assert info.birth_date == born
            assert info.sex == ("M" if seq % 2 else "F")
            assert number[14:17] == f"{seq:03d}"
    assert make_id_number("110105", date(1949, 12, 31), 2) == EXAMPLE


@pytest.mark.parametrize("args", [("31011", date(1990, 1, 1), 1), ("31011a", date(1990, 1, 1), 1),
                                  ("310115", date(1990, 1, 1), 1000), ("310115", date(1899, 1, 1), 1)])
def test_make_id_number_refuses_bad_input(args):
    with pytest.raises(ValueError):
        make_id_number(*args)


def test_mask_id_number_keeps_first_and_last_four():
    assert mask_id_number("31011519900101123X") == "3101**********123X"
    assert mask_id_number(EXAMPLE) == "1101**********002X"


@pytest.mark.parametrize("value, masked", [
    ("310115900101123", "31***********23"),  # old 15-digit: 2 and 2
    ("E1234567", "E1****67"),
    ("ABC", "***"),  # too short to reveal anything
    ("", ""),
])
def test_mask_other_lengths_never_reveals_half(value, masked):
    assert mask_id_number(value) == masked
    shown = sum(1 for c in masked if c != "*")
    assert shown <= len(value) / 2


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(" 13812345678 ") == "138****5678"
    assert mask_phone("58881234") == "58****34"
    assert mask_phone("") == ""
