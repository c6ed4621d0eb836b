"""The production monitor: its policy (what is an incident, who hears about it, when) and the
notification channels (:mod:`.notify`: generic webhook, Slack-compatible webhook, e-mail) that
incident alerts and the fleet's stale notices are sent through.
"""
