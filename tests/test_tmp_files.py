import pytest, time
from pathlib import Path
from lc_modulestore.api import import_olx
from lc_modulestore.storage.course_files import course_file_index
from lc_modulestore.models import CourseFile
DEMO=Path("/work/shared/olx/demo-course")
@pytest.mark.django_db(transaction=True)
def test_demo(django_capture_on_commit_callbacks):
    t=time.time()
    with django_capture_on_commit_callbacks(execute=True):
        r=import_olx(DEMO)
    print("import", time.time()-t, r.files, [str(p) for p in r.problems if 'static' in p.file or 'assets' in p.file])
    idx=course_file_index("course-v1:OpenedX+DemoX+DemoCourse")
    print(len(idx), sum(f.length for f in idx.values()))
    print(list(idx.values())[:2])
    t=time.time()
    with django_capture_on_commit_callbacks(execute=True):
        r=import_olx(DEMO)
    print("reimport", time.time()-t, r.publish_log_id, r.files.created, r.files.changed, r.files.unchanged)
