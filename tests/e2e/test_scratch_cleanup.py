"""The e2e tests' work folders: a passing test's folder is removed, a failing test's is kept and
its path printed, and what the test owns is stopped either way; the same for a folder the tests
of a class share (setUpClass), and when a test's setUp fails. Runs e2e.TestCase on small tests
of its own, with ACS_TMPDIR pointing into this test's folder; no daemon, about a second.

The failing cases are the negative control of the passing ones: the same count of folders, seen
to stay when a test fails."""
import contextlib
import io
import os
import unittest

import e2e


class Stoppable:
    """Stands for a labkit process: counts its stop() calls."""

    def __init__(self):
        self.stops = 0

    def stop(self):
        self.stops += 1


class ScratchCleanup(e2e.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.workdir / "tmp"
        self.tmp.mkdir()
        saved = os.environ.get("ACS_TMPDIR"), os.environ.pop("ACS_KEEP_LOGS", None)
        os.environ["ACS_TMPDIR"] = str(self.tmp)
        self.addCleanup(self.restore_env, *saved)

    @staticmethod
    def restore_env(tmpdir, keep_logs):
        os.environ.pop("ACS_TMPDIR", None)
        os.environ.pop("ACS_KEEP_LOGS", None)
        if tmpdir is not None:
            os.environ["ACS_TMPDIR"] = tmpdir
        if keep_logs is not None:
            os.environ["ACS_KEEP_LOGS"] = keep_logs

    def run_cases(self, case):
        """Runs the tests of `case`; returns (result, what they printed to stderr)."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(
                unittest.defaultTestLoader.loadTestsFromTestCase(case))
        return result, err.getvalue()

    def folders(self):
        return sorted(p.name for p in self.tmp.iterdir())

    def test_a_passing_test_removes_its_folder(self):
        proc = Stoppable()

        class Passing(e2e.TestCase):
            def test_it(self):
                self.own(proc)
                (self.workdir / "log").write_text("fine\n")

        result, err = self.run_cases(Passing)
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(self.folders(), [])
        self.assertEqual(proc.stops, 1)
        self.assertNotIn("logs kept", err)

    def test_negative_control_a_failing_test_keeps_its_folder_and_prints_it(self):
        proc = Stoppable()

        class Failing(e2e.TestCase):
            def test_it(self):
                self.own(proc)
                self.fail("on purpose")

        result, err = self.run_cases(Failing)
        self.assertEqual(len(result.failures), 1)
        kept = self.folders()
        self.assertEqual(len(kept), 1, kept)
        self.assertIn(f"logs kept in {self.tmp / kept[0]}", err)
        self.assertEqual(proc.stops, 1)

    def test_a_failing_set_up_still_stops_what_it_started_and_keeps_the_folder(self):
        proc = Stoppable()

        class BrokenSetUp(e2e.TestCase):
            def setUp(self):
                super().setUp()
                self.own(proc)
                raise RuntimeError("setUp broke")

            def test_it(self):
                pass

        result, err = self.run_cases(BrokenSetUp)
        self.assertEqual(len(result.errors), 1)
        self.assertEqual(len(self.folders()), 1)
        self.assertIn("logs kept in", err)
        self.assertEqual(proc.stops, 1)

    def test_a_class_folder_goes_when_every_test_passed_and_stays_when_one_failed(self):
        def shared(fail):
            class Shared(e2e.TestCase):
                @classmethod
                def setUpClass(cls):
                    cls.dir = cls.class_workdir("acs-shared-")

                def test_one(self):
                    (self.dir / "one").write_text("1\n")

                def test_two(self):
                    if fail:
                        self.fail("on purpose")
            return Shared

        result, err = self.run_cases(shared(fail=False))
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(self.folders(), [])
        result, err = self.run_cases(shared(fail=True))
        self.assertFalse(result.wasSuccessful())
        # The failing test's own folder and the class's.
        self.assertEqual(len([f for f in self.folders() if f.startswith("acs-shared-")]), 1)
        self.assertEqual(len(self.folders()), 2, self.folders())
        self.assertEqual(err.count("logs kept in"), 2, err)

    def test_acs_keep_logs_keeps_a_passing_test_folder(self):
        class Passing(e2e.TestCase):
            def test_it(self):
                pass

        os.environ["ACS_KEEP_LOGS"] = "1"
        result, err = self.run_cases(Passing)
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(len(self.folders()), 1)
        self.assertIn("logs kept in", err)


if __name__ == "__main__":
    e2e.main()
