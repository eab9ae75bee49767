"""JSON API of the reports app; mounted in kiemdiem/api.py."""

from ninja import Router

router = Router()
