"""JSON API of the followup app; mounted in kiemdiem/api.py."""

from ninja import Router

router = Router()
