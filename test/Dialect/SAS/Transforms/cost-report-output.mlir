// The cost report has its own destination: stderr by default, a file with
// output=FILE, stdout with output=-; the IR alone goes to stdout.
// RUN: sas-opt %s --sas-cost-report=format=json 2>/dev/null | FileCheck %s --check-prefix=IR
// RUN: sas-opt %s --sas-cost-report=format=json 2>&1 >/dev/null | %python -m json.tool | FileCheck %s --check-prefix=JSON
// RUN: rm -f %t.json
// RUN: sas-opt %s --sas-cost-report="format=json output=%t.json" 2>&1 | FileCheck %s --check-prefix=IR
// RUN: %python -m json.tool %t.json | FileCheck %s --check-prefix=JSON
// RUN: sas-opt %s --sas-cost-report="format=json output=-" -o /dev/null | %python -m json.tool | FileCheck %s --check-prefix=JSON
// IR-NOT: "functions"
// IR: func.func @peaa
// JSON: "function": "peaa"

// RUN: not sas-opt %s --sas-cost-report="output=%t.missing/report.txt" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: sas-cost-report: cannot write the report to '{{.*}}.missing/report.txt':

// RUN: not sas-opt %s --sas-cost-report="batch=-2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: error: sas-cost-report: batch and seq-len must be positive, got -2 and 0

func.func @peaa(%o: tensor<1x2x4x2xf32>, %w: tensor<4x4xf32>,
                %b: tensor<4xf32>) -> tensor<1x2x4xf32> {
  %0 = sas.peaa %o dense(%w, %b)
      : (tensor<1x2x4x2xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}
