"""Strategic reviews as people see them: the reply to `/sponsor review`, the sponsor's
reminder with its drafted agenda, and App Home's list of reviews due."""
