"""The scripted dialogue: FAQ answers and a Russian booking conversation without a model.

``booking`` runs the conversation, ``reading`` reads one message, ``when`` and
``schedule`` turn Russian date and time expressions into bookable starts, ``faq``
answers questions, and ``slots`` defines the booking state shared with the pipeline
and the LLM answerers.
"""
