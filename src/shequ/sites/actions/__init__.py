"""Every write of the sites app: the owners' roll (:mod:`.roll`) and owners' votes (:mod:`.votes`)."""
