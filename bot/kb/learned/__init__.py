"""The learned reader: models trained from the labelled corpus (knowledge/training/) that read a
message's refusal class, intent, product features with their state, follow-up and request for a
person. `load_reader(settings).read(message)`; trained by `licensebot kb train` (train.py)."""
