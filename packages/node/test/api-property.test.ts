import { apiProperties } from './api-properties.ts'

// The rest of the runs are in api-property.slow.test.ts.
apiProperties({ post: 80, get: 300 })
