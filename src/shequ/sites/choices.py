"""Choices of the sites app: the matters owners decide together (Civil Code art. 278) and how a vote runs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MatterCategory(models.TextChoices):
    """The nine items of Civil Code art. 278, para. 1, in the article's order."""

    RULES_OF_PROCEDURE = "rules_of_procedure", _("(1) Adopt or amend the owners' assembly rules of procedure")
    MANAGEMENT_STATUTE = "management_statute", _("(2) Adopt or amend the management statute")
    OWNERS_COMMITTEE = "owners_committee", _("(3) Elect the owners' committee or replace its members")
    PROPERTY_MANAGER = "property_manager", _("(4) Engage or dismiss the property company or another manager")
    USE_REPAIR_FUNDS = "use_repair_funds", _("(5) Use the maintenance funds of the buildings and facilities")
    RAISE_REPAIR_FUNDS = "raise_repair_funds", _("(6) Raise maintenance funds for the buildings and facilities")
    REBUILD = "rebuild", _("(7) Alter or rebuild the buildings and their facilities")
    CHANGE_COMMON_USE = "change_common_use", _("(8) Change the use of common parts or run a business in them")
    OTHER_MAJOR = "other_major", _("(9) Other major matters of common ownership and management")


# Items 6-8 need three quarters of the participating area and owners; the others more than half.
SPECIAL_MAJORITY = frozenset({MatterCategory.RAISE_REPAIR_FUNDS, MatterCategory.REBUILD,
                              MatterCategory.CHANGE_COMMON_USE})


class VoteStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("vote status", "Draft")
    OPEN = "open", pgettext_lazy("vote status", "Open")
    CLOSED = "closed", pgettext_lazy("vote status", "Closed")
    PUBLISHED = "published", pgettext_lazy("vote status", "Published")


class Organiser(models.TextChoices):
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")


class Choice(models.TextChoices):
    YES = "yes", pgettext_lazy("ballot", "For")
    NO = "no", pgettext_lazy("ballot", "Against")
    ABSTAIN = "abstain", pgettext_lazy("ballot", "Abstain")


class Channel(models.TextChoices):
    PAPER = "paper", _("Paper ballot")
    ONLINE = "online", _("Online")
