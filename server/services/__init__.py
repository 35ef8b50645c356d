"""Services hold the rules; views and jobs call them with an explicit actor and never commit."""
