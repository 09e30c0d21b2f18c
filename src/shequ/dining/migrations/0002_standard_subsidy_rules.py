"""Default subsidy per meal (fen), for every sub-district until it sets its own: the highest age band
the diner is in, plus a supplement for 低保 (subsistence) and 独居老人 (elder living alone)."""

from django.db import migrations

AGE_BANDS = [(60, 69, 100), (70, 79, 200), (80, 89, 400), (90, None, 600)]
TAGS = [("subsistence", 300), ("elder_alone", 200)]


def add_rules(apps, schema_editor):
    SubsidyRule = apps.get_model("dining", "SubsidyRule")
    for min_age, max_age, amount in AGE_BANDS:
        SubsidyRule.objects.create(kind="age_band", min_age=min_age, max_age=max_age, amount_fen=amount)
    for tag, amount in TAGS:
        SubsidyRule.objects.create(kind="tag", tag=tag, amount_fen=amount)


class Migration(migrations.Migration):
    dependencies = [("dining", "0001_initial")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
