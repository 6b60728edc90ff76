"""The risk register as people see it: the reply to `/sponsor risk` and the
`/sponsor risks` list."""
