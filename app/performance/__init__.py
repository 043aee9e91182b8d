"""The team's performance (综合协管队绩效考核) and the community police's year (最佳社区民警), issue 16 item 4."""
