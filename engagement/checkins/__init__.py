"""Check-ins: planned on each account's cadence, sent as one DM per person per day,
answered in a modal, nudged once, expired after a week.

Modules: `schedule` (pure date maths), `planner` (hourly planning), `sends` (send rows),
`delivery` (send / nudge / expire handlers), `form` (the answer form), `answers`
(modal data and recording), `responses` (skip, remind tomorrow), `pausing`, `advocacy`,
`home` (App Home data), `messages` and `items` (plain data for Slack).
"""
