from django.db import migrations

STANDARD_TAGS = [
    ("elder_alone", "独居老人", "Elder living alone"),
    ("subsistence", "低保", "Subsistence allowance"),
    ("low_income", "低收入", "Low income"),
    ("disability", "残疾", "Disability"),
    ("veteran", "退役军人", "Veteran"),
    ("special_care", "重点优抚对象", "Special care recipient"),
    ("bereaved_parents", "失独家庭", "Parents who lost their only child"),
    ("volunteer", "志愿者", "Volunteer"),
    ("party_member", "党员", "Party member"),
]


def add_tags(apps, schema_editor):
    Tag = apps.get_model("population", "Tag")
    for code, name, name_en in STANDARD_TAGS:
        Tag.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("population", "0001_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
