"""Services behind the HTTP and socket handlers: accounts, photos and songs."""
