"""JSON API of the imports app; mounted in kiemdiem/api.py."""

from ninja import Router

router = Router()
