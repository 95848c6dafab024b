"""Helpers the test suite shares: real servers and fixtures around them."""
