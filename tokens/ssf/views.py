"""
The transmitter's HTTP side (SSF 1.0 §7-§8, RFC 8936): its configuration,
stream management, status, verification and poll.

Every endpoint but the configuration answers registered resource servers
only, and each sees its own streams alone: another's stream id is a 404.
Errors are DRF's ``{"detail": ...}``.
"""

from __future__ import annotations

import time
from typing import Any, cast

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tokens.app_settings import app_settings
from tokens.openapi import OpenApiResponse, SchemaWhenEnabled, extend_schema
from tokens.parsers import LimitedJSONParser
from tokens.resource_server_model import ResourceServer
from tokens.resource_servers import ResourceServerAuthentication
from tokens.ssf import emit, events
from tokens.ssf.models import DeliveryMethod, EventStream, PendingEvent
from tokens.ssf.serializers import (
    PollSerializer,
    StatusSerializer,
    StreamSerializer,
    StreamUpdateSerializer,
    VerifySerializer,
)

POLL_STEP = 0.1  # seconds between looks while a poll waits for an event
TAGS = ["Security events"]
STREAM = OpenApiResponse(description="The stream's configuration (SSF 1.0 §8.1.1).")
STATUS = OpenApiResponse(description="The stream's status (SSF 1.0 §8.1.2).")
CONFIG = OpenApiResponse(description="The transmitter's metadata (SSF 1.0 §7.1).")
POLLED = OpenApiResponse(
    description='{"sets": {jti: SET}, "moreAvailable": bool} (RFC 8936 §2.4).'
)


def _absolute(request: Request, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))


class TransmitterView(APIView):
    """Answers only with SECURITY_EVENTS on: a 404, as if not mounted, otherwise."""

    schema = SchemaWhenEnabled("SECURITY_EVENTS")  # and in the OpenAPI schema

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if not app_settings.SECURITY_EVENTS:
            raise Http404
        super().initial(request, *args, **kwargs)


class ConfigurationView(TransmitterView):
    """``/.well-known/ssf-configuration`` (SSF 1.0 §7.1)."""

    authentication_classes: list[type[Any]] = []
    permission_classes = [AllowAny]

    @extend_schema(tags=TAGS, responses={200: CONFIG}, auth=[])
    def get(self, request: Request) -> Response:
        return Response(
            {
                "spec_version": "1_0",
                "issuer": app_settings.ISSUER,
                "jwks_uri": _absolute(request, "jwks"),
                "delivery_methods_supported": DeliveryMethod.values,
                "configuration_endpoint": _absolute(request, "ssf_stream"),
                "status_endpoint": _absolute(request, "ssf_status"),
                "verification_endpoint": _absolute(request, "ssf_verify"),
                # HTTP Basic with the client's secret, or its signed assertion.
                "authorization_schemes": [
                    {"spec_urn": "urn:ietf:rfc:7617"},
                    {"spec_urn": "urn:ietf:rfc:7523"},
                ],
                "default_subjects": "ALL",
            }
        )


class IsResourceServer(BasePermission):
    """The request authenticated as a registered resource server."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ResourceServer)


class ReceiverAPIView(TransmitterView):
    authentication_classes = [ResourceServerAuthentication]
    permission_classes = [IsResourceServer]
    parser_classes = [LimitedJSONParser]

    @property
    def resource_server(self) -> ResourceServer:
        # IsResourceServer made sure of it.
        return cast(ResourceServer, self.request.auth)

    def own_stream(self, stream_id: Any) -> EventStream:
        stream = (
            EventStream.objects.select_related("resource_server")
            .filter(pk=stream_id, resource_server=self.resource_server)
            .first()
        )
        if stream is None:
            raise Http404
        return stream

    def valid(self, serializer_class: type, data: Any) -> dict[str, Any]:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def stream_config(request: Request, stream: EventStream) -> dict[str, Any]:
    """A stream as SSF 1.0 §8.1.1 describes it (never its authorization header)."""
    delivery: dict[str, Any] = {"method": stream.delivery_method}
    if stream.delivery_method == DeliveryMethod.PUSH:
        delivery["endpoint_url"] = stream.endpoint_url
    else:
        delivery["endpoint_url"] = _absolute(request, "ssf_poll", stream_id=stream.pk)
    requested = stream.events_requested or list(events.REQUESTABLE)
    return {
        "stream_id": str(stream.pk),
        "iss": app_settings.ISSUER,
        "aud": stream.audience,
        "delivery": delivery,
        "events_supported": list(events.REQUESTABLE),
        "events_requested": requested,
        "events_delivered": [e for e in requested if e in events.REQUESTABLE],
        "description": stream.description,
    }


class StreamView(ReceiverAPIView):
    """The configuration endpoint: create, read, update, delete streams."""

    @extend_schema(tags=TAGS, responses={200: STREAM})
    def get(self, request: Request) -> Response:
        stream_id = request.query_params.get("stream_id")
        if stream_id:
            return Response(stream_config(request, self.own_stream(_uuid(stream_id))))
        streams = EventStream.objects.select_related("resource_server").filter(
            resource_server=self.resource_server
        )
        return Response([stream_config(request, s) for s in streams])

    @extend_schema(tags=TAGS, request=StreamSerializer, responses={201: STREAM})
    def post(self, request: Request) -> Response:
        data = self.valid(StreamSerializer, request.data)
        delivery = data["delivery"]
        stream = EventStream.objects.create(
            resource_server=self.resource_server,
            delivery_method=delivery["method"],
            endpoint_url=delivery.get("endpoint_url", ""),
            authorization_header=delivery.get("authorization_header", ""),
            events_requested=data.get("events_requested", []),
            description=data.get("description", ""),
        )
        return Response(stream_config(request, stream), status=201)

    @extend_schema(tags=TAGS, request=StreamUpdateSerializer, responses={200: STREAM})
    def patch(self, request: Request) -> Response:
        data = self.valid(StreamUpdateSerializer, request.data)
        stream = self.own_stream(data["stream_id"])
        delivery = data.get("delivery")
        if delivery is not None:
            stream.delivery_method = delivery["method"]
            stream.endpoint_url = delivery.get("endpoint_url", "")
            if "authorization_header" in delivery:
                stream.authorization_header = delivery["authorization_header"]
        for field in ("events_requested", "description"):
            if field in data:
                setattr(stream, field, data[field])
        stream.save()
        return Response(stream_config(request, stream))

    @extend_schema(tags=TAGS, request=StreamUpdateSerializer, responses={200: STREAM})
    def put(self, request: Request) -> Response:
        return self.patch(request)

    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request: Request) -> Response:
        self.own_stream(_uuid(request.query_params.get("stream_id", ""))).delete()
        return Response(status=204)


class StatusView(ReceiverAPIView):
    """SSF 1.0 §8.1.2: read and set a stream's status."""

    @extend_schema(tags=TAGS, responses={200: STATUS})
    def get(self, request: Request) -> Response:
        stream = self.own_stream(_uuid(request.query_params.get("stream_id", "")))
        return Response(_status(stream))

    @extend_schema(tags=TAGS, request=StatusSerializer, responses={200: STATUS})
    def post(self, request: Request) -> Response:
        data = self.valid(StatusSerializer, request.data)
        with transaction.atomic():
            stream = self.own_stream(data["stream_id"])
            stream.status, stream.status_reason = data["status"], data.get("reason", "")
            stream.save(update_fields=["status", "status_reason"])
            emit.stream_updated(stream)
        return Response(_status(stream))


def _status(stream: EventStream) -> dict[str, Any]:
    body = {"stream_id": str(stream.pk), "status": stream.status}
    if stream.status_reason:
        body["reason"] = stream.status_reason
    return body


class VerifyView(ReceiverAPIView):
    """SSF 1.0 §8.1.4: send a verification event behind everything queued."""

    @extend_schema(tags=TAGS, request=VerifySerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = self.valid(VerifySerializer, request.data)
        with transaction.atomic():
            emit.verification_requested(
                self.own_stream(data["stream_id"]), data.get("state")
            )
        return Response(status=204)


class PollView(ReceiverAPIView):
    """RFC 8936: hand out the stream's events until they are acknowledged."""

    @extend_schema(tags=TAGS, request=PollSerializer, responses={200: POLLED})
    def post(self, request: Request, stream_id: Any) -> Response:
        stream = self.own_stream(stream_id)
        if stream.delivery_method != DeliveryMethod.POLL:
            raise Http404
        data = self.valid(PollSerializer, request.data)
        settled = [*data.get("ack", []), *data.get("setErrs", {})]
        if settled:
            PendingEvent.objects.filter(stream=stream, jti__in=settled).delete()
        limit = data.get("maxEvents", 100)
        rows = self._wait_for_events(stream, limit, data["returnImmediately"])
        sets = {row.jti: events.sign(row.claims) for row in rows[:limit]}
        return Response({"sets": sets, "moreAvailable": len(rows) > limit})

    def _wait_for_events(
        self, stream: EventStream, limit: int, immediately: bool
    ) -> list[PendingEvent]:
        deadline = time.monotonic() + (
            0 if immediately else app_settings.SSF_POLL_WAIT.total_seconds()
        )
        while True:
            rows = list(stream.pending_events.order_by("id")[: limit + 1])
            if rows or limit == 0 or time.monotonic() >= deadline:
                return rows
            time.sleep(POLL_STEP)


def _uuid(value: str) -> Any:
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None
