"""Gone: the newsletter's workflows live in `newsletter.subscriptions`, `.unsubscribe`,
`.rendering`, `.claims` and `.sending`.

Only the names that `accounts/` still imports from here are left, until its welcome and My
account views move to the site layer and import `newsletter.subscriptions` themselves
(`accounts/tests/test_abuse.py` takes `unsubscribe_token` from `newsletter.unsubscribe`).
Delete this module with that change; nothing in `newsletter/` imports it.
"""

from newsletter.subscriptions import is_subscribed, subscribe, unsubscribe
from newsletter.unsubscribe import unsubscribe_token

__all__ = ["is_subscribed", "subscribe", "unsubscribe", "unsubscribe_token"]
