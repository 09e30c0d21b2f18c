from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_TAIWAN = "hmt_permit", _("Hong Kong, Macao or Taiwan permit")
    FOREIGNER_PR = "foreign_pr", _("Foreigner permanent residence card")


class ResidenceType(models.TextChoices):
    """The four kinds of 实有人口 the registry keeps."""

    REGISTERED = "registered", _("Registered (hukou) resident")
    REGISTERED_ELSEWHERE = "elsewhere", _("Registered here, living elsewhere")
    MIGRANT = "migrant", _("Migrant from outside Shanghai")
    FOREIGN = "foreign", _("Foreign national")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Living here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class LifeEventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    MOVE_IN = "move_in", _("Moved in")
    MOVE_WITHIN = "move_within", _("Moved within the sub-district")
    MOVE_OUT = "move_out", _("Moved out")
    BIRTH = "birth", _("Birth")
    DEATH = "death", _("Death")


class PermitStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ISSUED = "issued", _("Issued")
    EXPIRED = "expired", _("Expired")
    RENEWED = "renewed", _("Renewed")
    REFUSED = "refused", _("Refused")


class HouseholdKind(models.TextChoices):
    FAMILY = "family", _("Family household")
    COLLECTIVE = "collective", _("Collective household")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER = "other", _("Other")


# Age bands of the dynamics page: (label, lowest age, highest age or None).
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0-17", 0, 17), ("18-34", 18, 34), ("35-59", 35, 59), ("60-69", 60, 69), ("70-79", 70, 79),
    ("80-89", 80, 89), ("90+", 90, None),
]
