// Build information and status texts.
#include "blas.h"
#include "ssm.h"

extern "C" {

const char* ssm_status_message(ssm_status status) {
  switch (status) {
    case SSM_OK: return "ok";
    case SSM_E_INVALID_ARGUMENT: return "invalid argument";
    case SSM_E_NO_MEMORY: return "not enough memory for the requested sizes";
    case SSM_E_INTERNAL: return "internal error";
  }
  return "unknown status";
}

const char* ssm_blas_name(void) { return ssm::blas::name(); }
int ssm_has_openblas(void) { return ssm::blas::has_openblas() ? 1 : 0; }
int ssm_blas_threads(void) { return ssm::blas::threads(); }

}
