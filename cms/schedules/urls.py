from django.urls import path

from .views import public

app_name = "schedules"

urlpatterns = [
    path("xmltv.dtd", public.xmltv_dtd, name="xmltv_dtd"),
    path("programmes/<int:pk>/", public.programme_schedule, name="programme_schedule"),
    path(
        "programmes/<int:pk>/airings.ics", public.programme_ical, name="programme_ical"
    ),
    path("<slug:slug>/", public.channel_schedule, name="channel_schedule"),
    path("<slug:slug>/xmltv.xml", public.channel_xmltv, name="channel_xmltv"),
]
