"""The bottom layer: what every app may use and what uses none of them."""
