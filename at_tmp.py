from streamlit.testing.v1 import AppTest
at = AppTest.from_file("/work/main/app.py", default_timeout=120).run()
print("exc", at.exception, [e.value for e in at.error])
print([t.value for t in at.title])
b = at.button[0]; print([x.label for x in at.button])
at.button(key=None) if False else None
at.button[0].click().run()
print("exc", at.exception, [e.value for e in at.error])
print([m.value[:100] for m in at.markdown][:12])
print([c.value for c in at.caption])
