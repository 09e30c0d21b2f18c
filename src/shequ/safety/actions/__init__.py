"""Every write of the safety app, by topic; views, API, the MQTT consumer, periodic jobs and the demo call these.

- ``devices``: the device registry, its import, and each device's own secret;
- ``ingest``: accepting device messages (MQTT and HTTP alike), dead letters, availability and pruning;
- ``incidents``: alarms grouped into incidents, their handling and the linked emergency request;
- ``plans``: emergency plans, running one for an incident, and drills;
- ``credentials``: residents' door credentials, following the registry, pushed to the doors;
- ``patrols``: the police office's patrol logs.
"""
