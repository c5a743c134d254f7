from django.urls import path

from sales import pages, views

app_name = "sales"

urlpatterns = [
    path("", views.SalesDashboardView.as_view(), name="dashboard"),
    path("stores/", pages.StoresPage.as_view(), name="stores"),
    path("stores/<int:pk>/", pages.StoreEditPage.as_view(), name="store"),
    path("stores/<int:store_id>/performance/", views.StoreDashboardView.as_view(), name="store-performance"),
    path("stores/<int:pk>/delete", pages.StoreDeletePage.as_view(), name="store-delete"),
    path("records/", pages.RecordsPage.as_view(), name="records"),
    path("records/<int:pk>/", pages.RecordEditPage.as_view(), name="record"),
    path("records/<int:pk>/delete", pages.RecordDeletePage.as_view(), name="record-delete"),
    path("records/upload", pages.UploadPage.as_view(), name="records-upload"),
    path("records/template.csv", pages.TemplateDownload.as_view(), name="records-template"),
    path("records/generate", pages.GeneratePage.as_view(), name="records-generate"),
]
