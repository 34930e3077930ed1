"""The account API, mounted at ``/api/accounts/``."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("verify-email/", views.EmailVerifyView.as_view(), name="email_verify"),
    path(
        "verify-email/resend/",
        views.EmailVerificationResendView.as_view(),
        name="email_verification_resend",
    ),
]
