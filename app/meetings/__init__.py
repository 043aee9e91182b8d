"""Trainings and meetings (issue 16 item 6, issue 17 item 3): each zone's trainings with attendance and materials,
the 大区块 joint meetings, the 领导小组's meetings, a committee's quarterly review meeting; minutes and decisions
that become tasks; the year view that flags a zone short of trainings."""
