"""专项联勤联动 (plan 三(四), issue 16 item 3): a household refusing collection or verification, escalated."""
