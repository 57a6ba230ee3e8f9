from rest_framework.pagination import PageNumberPagination


class PartnerPages(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 200); a page past the end answers 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
