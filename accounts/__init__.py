"""
Staff accounts: how the desk signs in and stays signed in.

- ``lockout``: django-axes' limits, read from the NEWSROOM_ settings, and the lockout page.
- ``clientip``: the client's address for the lockout, from a proxy's header only when configured.
- ``middleware``: staff sessions end after NEWSROOM_STAFF_IDLE_MINUTES without activity.
- ``sessions``: the session store, which reads only keys Django could have made (SESSION_ENGINE).
- ``sites``, ``forms``, ``views``, ``twofactor``: the admin site with optional TOTP (django-otp),
  its login form with the code field, and the enrolment page.
"""
