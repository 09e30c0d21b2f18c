"""REST API of the culture app under /api/v1/culture/: the rooms and the bookings, read-only, scoped like the pages
(a resident reads her own bookings; a role that may not, and a booking outside the user's area, both answer 404).
Bookings are made, decided and checked in on the pages, through the actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import BaseRouter

from shequ.core.drf import RolePermission
from shequ.core.scopes import restrict
from shequ.culture import queries
from shequ.culture.models import Booking, Room


class RoomSerializer(serializers.ModelSerializer[Room]):
    class Meta:
        model = Room
        fields = ["id", "name", "kind", "capacity", "needs_approval", "bookable_by", "max_booking_minutes",
                  "max_window_minutes", "window_days", "active"]
        read_only_fields = fields


class BookingSerializer(serializers.ModelSerializer[Booking]):
    """A booking: the room, the booker's id, the time, its status and the decision; the card used is not given."""

    room = serializers.IntegerField(source="room_id", read_only=True)
    booker = serializers.IntegerField(source="booker_id", read_only=True)
    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Booking
        fields = ["id", "room", "booker", "group_name", "starts_at", "ends_at", "status", "purpose", "created_at",
                  "decided_by", "decided_at", "checked_in_at", "closed_at"]
        read_only_fields = fields


class RoomViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Room]):
    """The rooms of the user's sub-district with their booking rules (staff)."""

    serializer_class = RoomSerializer
    permission_classes = [IsAuthenticated, RolePermission]
    model = Room
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Room]:
        if getattr(self, "swagger_fake_view", False):
            return Room.objects.none()
        user: Any = self.request.user
        return restrict(Room.objects.all(), user)


class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Booking]):
    """Bookings the user may see: a resident's own, all of the sub-district's rooms for its staff."""

    serializer_class = BookingSerializer
    permission_classes = [IsAuthenticated, RolePermission]
    model = Booking
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Booking]:
        if getattr(self, "swagger_fake_view", False):
            return Booking.objects.none()
        user: Any = self.request.user
        return queries.bookings(user).order_by("-starts_at", "-pk")


def register(router: BaseRouter) -> None:
    router.register("culture/rooms", RoomViewSet, basename="culture-room")
    router.register("culture/bookings", BookingViewSet, basename="culture-booking")
