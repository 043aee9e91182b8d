"""Notifications (issue 13 item 2): a message for one user at every hand-off, with optional delivery to a
企业微信 group robot per committee. models.py (Notification, WebhookDelivery), service.py (notify, recipients),
webhook.py + tasks.py (delivery outside the request, retried), views.py (the list, the navbar badge)."""
