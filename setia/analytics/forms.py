from django import forms

from setia.analytics.models import AnalyticsSettings


class AnalyticsSettingsForm(forms.ModelForm):
    class Meta:
        model = AnalyticsSettings
        fields = ["rfm_window_days", "clv_time_unit", "clv_holdout_days", "rules_min_count", "rules_min_confidence"]
