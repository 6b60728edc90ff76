"""Strategic risks (seed 002's Table 2): each account's register, logged from Slack or the
portfolio file, listed by score."""
