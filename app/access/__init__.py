"""Who may see and change what: roles, committee scoping, masking, audit."""
