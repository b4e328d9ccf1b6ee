import { apiProperties } from './api-properties.ts'

// The runs that api-property.test.ts (the fast tier) leaves to this tier.
apiProperties({ post: 320, get: 1200 })
