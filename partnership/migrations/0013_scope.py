"""Records belong to partnerships (issue 13): activities, programmes, orders, events, articles and
quotes get a many-to-many `partnerships`; an event's single `partnership` becomes one of them.

Existing rows are attached to the partnerships they can be derived from (an event's partnership,
an order's agreement's partnership); any other row, when the database holds exactly one
partnership (CaMo), to that one, so that no CaMo record is left out of CaMo's pages. The national
orders of a programme's lead country for that programme's systems (France's own Scorpion
orders) are not the partnership's: they stay out of it, and its pages show them as context.
"""

from django.db import migrations, models

SCOPED = ("activity", "programme", "order", "event", "article", "quote")


def attach(apps, schema_editor):
    Partnership = apps.get_model("partnership", "Partnership")
    Event = apps.get_model("partnership", "Event")
    Order = apps.get_model("partnership", "Order")
    database = schema_editor.connection.alias
    derived = {
        "event": Event.objects.using(database)
        .exclude(partnership=None)
        .values_list("pk", "partnership_id"),
        "order": Order.objects.using(database)
        .exclude(agreement=None)
        .values_list("pk", "agreement__partnership_id"),
    }
    ProgrammeParticipant = apps.get_model("partnership", "ProgrammeParticipant")
    leads = ProgrammeParticipant.objects.using(database).filter(role="lead")
    national = set()
    for programme, country in leads.values_list("programme_id", "country_id"):
        national |= set(
            Order.objects.using(database)
            .filter(agreement=None, system__programme=programme, buyer=country)
            .values_list("pk", flat=True)
        )
    only = list(Partnership.objects.using(database).values_list("pk", flat=True)[:2])
    only = only[0] if len(only) == 1 else None
    for name in SCOPED:
        model = apps.get_model("partnership", name)
        through = model._meta.get_field("partnerships").remote_field.through
        pairs = set(derived.get(name, ()))
        if only is not None:
            attached = {pk for pk, _partnership in pairs}
            rows = model.objects.using(database).exclude(pk__in=attached)
            if name == "order":
                rows = rows.exclude(pk__in=national)
            pairs |= {(pk, only) for pk in rows.values_list("pk", flat=True)}
        through.objects.using(database).bulk_create(
            [through(**{f"{name}_id": pk, "partnership_id": p}) for pk, p in sorted(pairs)]
        )


def detach(apps, schema_editor):
    """Back to one partnership per event (its first); the other records lose theirs."""
    Event = apps.get_model("partnership", "Event")
    database = schema_editor.connection.alias
    through = Event._meta.get_field("partnerships").remote_field.through
    for row in through.objects.using(database).order_by("event_id", "partnership_id"):
        Event.objects.using(database).filter(pk=row.event_id, partnership=None).update(
            partnership_id=row.partnership_id
        )


def partnerships(related_name):
    return models.ManyToManyField(
        blank=True,
        related_name=related_name,
        to="partnership.partnership",
        verbose_name="partnerships",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0012_merge_0011a_throttle_cache_table_0011c_slug_history"),
    ]

    operations = [
        # The old link gives up its reverse name to the new one until it is removed.
        migrations.AlterField(
            model_name="event",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="partnership.partnership",
                verbose_name="partnership",
            ),
        ),
        migrations.AddField("activity", "partnerships", partnerships("activities")),
        migrations.AddField("article", "partnerships", partnerships("articles")),
        migrations.AddField("event", "partnerships", partnerships("events")),
        migrations.AddField("order", "partnerships", partnerships("orders")),
        migrations.AddField("programme", "partnerships", partnerships("programmes")),
        migrations.AddField("quote", "partnerships", partnerships("quotes")),
        migrations.RunPython(attach, detach, elidable=False),
        migrations.RemoveField(model_name="event", name="partnership"),
    ]
