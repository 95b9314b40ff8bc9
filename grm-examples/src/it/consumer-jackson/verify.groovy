// The test must have run and passed: a consumer whose tests were skipped would prove nothing.
def report = new File(basedir, 'target/surefire-reports/TEST-consumer.ConvergedJacksonTest.xml')
assert report.isFile() : "no test report at ${report}"
def suite = (report.text =~ /<testsuite [^>]*/)[0]
assert suite.contains('tests="2"') : suite
assert suite.contains('failures="0"') && suite.contains('errors="0"') && suite.contains('skipped="0"') : suite
