"""平安志愿者 and 楼组长 (issue 16 item 5): the register per committee, points computed from their reports and
leads, the half-yearly 慰问 visits, the year's commendations and their PDF list."""
