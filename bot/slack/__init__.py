"""The Slack edge of newsdesk: slack-bolt listeners that render what `bot.ask` answers.

`app.build_app` wires the listeners, `app.serve` runs them (Socket Mode or HTTP), `blocks`
turns answers into Block Kit, `feedback` keeps the 👍/👎 votes.
"""
