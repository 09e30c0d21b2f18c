"""``field__any``: the same rows as ``field__in``, however long the list, on SQLite and PostgreSQL."""

from shequ.core.models import Dwelling, User


def test_any_finds_the_same_rows_as_in(org):
    ids = list(Dwelling.objects.order_by("pk").values_list("pk", flat=True))
    wanted = [*ids[::2], 10**12]  # with an id no row has
    assert list(Dwelling.objects.filter(pk__any=wanted).order_by("pk")) == list(
        Dwelling.objects.filter(pk__in=wanted).order_by("pk"))
    assert Dwelling.objects.filter(pk__any=wanted).count() == len(ids[::2])


def test_any_of_an_empty_list_finds_nothing(org):
    assert not Dwelling.objects.filter(pk__any=[]).exists()


def test_any_compares_text_and_combines_with_other_conditions(admin, alice):
    assert set(User.objects.filter(username__any=["admin", "alice", "nobody"]).values_list("username", flat=True)) \
        == {"admin", "alice"}
    assert not User.objects.filter(username__any=["admin"], role="committee").exists()


def test_any_works_on_a_foreign_key(org):
    buildings = list(Dwelling.objects.values_list("building_id", flat=True).distinct()[:2])
    assert Dwelling.objects.filter(building_id__any=buildings).count() == Dwelling.objects.filter(
        building_id__in=buildings).count() > 0
