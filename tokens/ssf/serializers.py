"""The request bodies of stream management and poll, validated by DRF."""

from __future__ import annotations

from typing import Any

from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tokens.ssf import events
from tokens.ssf.models import DeliveryMethod, StreamStatus

JTI_MAX = 64


class DeliverySerializer(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=DeliveryMethod.values)
    # DRF's URLField takes http, https, ftp and ftps: push goes over HTTP.
    endpoint_url = serializers.URLField(
        required=False,
        max_length=500,
        validators=[URLValidator(schemes=["https", "http"])],
    )
    authorization_header = serializers.CharField(
        required=False, max_length=500, allow_blank=True, write_only=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["method"] == DeliveryMethod.PUSH and not attrs.get("endpoint_url"):
            raise serializers.ValidationError(
                {"endpoint_url": _("A push stream needs the receiver's endpoint_url.")}
            )
        return attrs


class StreamSerializer(serializers.Serializer[Any]):
    delivery = DeliverySerializer()
    events_requested = serializers.ListField(
        child=serializers.ChoiceField(choices=events.REQUESTABLE),
        required=False,
        max_length=10,
    )
    description = serializers.CharField(
        required=False, max_length=200, allow_blank=True
    )


class StreamUpdateSerializer(StreamSerializer):
    stream_id = serializers.UUIDField()
    delivery = DeliverySerializer(required=False)


class StatusSerializer(serializers.Serializer[Any]):
    stream_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=StreamStatus.values)
    reason = serializers.CharField(required=False, max_length=200, allow_blank=True)


class VerifySerializer(serializers.Serializer[Any]):
    stream_id = serializers.UUIDField()
    state = serializers.CharField(required=False, max_length=200)


class SetErrorSerializer(serializers.Serializer[Any]):
    err = serializers.CharField(max_length=50)
    description = serializers.CharField(
        required=False, max_length=500, allow_blank=True
    )


class PollSerializer(serializers.Serializer[Any]):
    maxEvents = serializers.IntegerField(required=False, min_value=0, max_value=1000)  # noqa: N815
    returnImmediately = serializers.BooleanField(required=False, default=True)  # noqa: N815
    ack = serializers.ListField(
        child=serializers.CharField(max_length=JTI_MAX), required=False, max_length=1000
    )
    setErrs = serializers.DictField(  # noqa: N815
        child=SetErrorSerializer(), required=False
    )
