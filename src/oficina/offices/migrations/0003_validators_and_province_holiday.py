"""Postal-code validators on Office, and one province-wide holiday per date and province."""

import oficina.offices.postal_codes
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('offices', '0002_provinces'),
    ]

    operations = [
        migrations.AlterField(
            model_name='office',
            name='postal_code',
            field=models.CharField(blank=True, max_length=5, validators=[oficina.offices.postal_codes.validate_postal_code], verbose_name='código postal'),
        ),
        migrations.AlterField(
            model_name='office',
            name='postal_codes_served',
            field=models.TextField(blank=True, help_text='Separados por espacios. Un código de 5 cifras, o un prefijo terminado en * (p. ej. 47*).', validators=[oficina.offices.postal_codes.validate_postal_codes_served], verbose_name='códigos postales atendidos'),
        ),
        migrations.AddConstraint(
            model_name='localholiday',
            constraint=models.UniqueConstraint(condition=models.Q(('office__isnull', True)), fields=('date', 'province'), name='unique_province_holiday', violation_error_message='Ya hay un festivo para toda la provincia en esa fecha.'),
        ),
    ]
