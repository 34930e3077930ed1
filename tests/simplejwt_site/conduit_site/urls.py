from conduit import views
from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

urlpatterns = [
    path("api/users/login", views.LoginView.as_view()),
    path("api/user", views.CurrentUserView.as_view()),
    path("api/articles", views.ArticleListView.as_view()),
    path("api/token/", TokenObtainPairView.as_view()),
]
