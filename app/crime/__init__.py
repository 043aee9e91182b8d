"""Crime-related persons and leads (涉案人员, 线索; issue 16 item 3, issue 12 item 6).

Only the police and the street office see these records (permission "CrimeRecord"); the community police see
those of their committees (app.access.scoping, through the committee_id column).
"""
