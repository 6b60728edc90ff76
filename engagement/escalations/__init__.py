"""Escalations: a SAM asks the sponsor for help; Sherpa makes sure it is seen and answered.

The Slack layer calls `service` (raise, acknowledge, resolve, cancel) and `listing`
(what a person may see); `alerts` does the talking through the due-work engine, so every
alert, reminder and update is durable and sent once whatever restarts or processes run.
"""
