"""The zh texts FAB's own catalog leaves empty.

FAB 5.3's zh catalog has no translation for the msgids below; listing them here puts them in our catalog
(translations/), which is searched after FAB's and so fills the gaps. tests/test_i18n.py re-extracts FAB's strings
and fails if one is still untranslated.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

FAB_GAPS = (
    _l("Database Error"),
    _l("Must have at least two capital letters, one special character, two digits, three lower case letters "
       "and a minimal length of 10."),
    _l("Contains (insensitive)"),
    _l("In"),
    _l("Not In"),
    _l("Either select a role or a group"),
    _l("List Groups"),
    _l("Edit User Information"),
    _l("User information changed"),
    _l("Groups"),
    _l("The user's password for authentication"),
    _l("User(s) exists in the role, cannot delete"),
    _l("Show Group"),
    _l("Add Group"),
    _l("Edit Group"),
    _l("User(s) exists in the group, cannot delete"),
    _l("Add"),
    _l("Edit"),
    _l("Show"),
    _l("Delete"),
    _l("Are you sure you want to delete this item?"),
    _l("Sign In with "),
    _l("OpenID"),
    _l("The user role on the application, this will associate with a list of permissions"),
    _l("The user group on the application, this will associate with a list of roles associated with the group"),
)


# FAB's own zh text under the password field says the application does not check passwords; ours does (the
# complexity rule on every path, app/access/security.py), so the password forms say what it asks for instead.
FAB_CORRECTIONS = (
    _l("Please use a good password policy, this application does not check this for you"),
)
