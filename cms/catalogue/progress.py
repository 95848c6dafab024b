"""The command's progress bar."""


def progress_bar(done: int, total: int, *, width: int = 30) -> str:
    """``[#########---------]  12/40  30%``"""
    total = max(total, 1)
    filled = round(width * done / total)
    percent = round(100 * done / total)
    bar = "#" * filled + "-" * (width - filled)
    return f"[{bar}] {done:>{len(str(total))}}/{total} {percent:>3}%"
