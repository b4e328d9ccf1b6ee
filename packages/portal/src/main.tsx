import { createRoot } from 'react-dom/client'
import { getSuite, toHex } from '@govchain/sdk'

function App() {
  const s = getSuite('gm')
  return <div>hello {toHex(s.hash(new Uint8Array([1])))}</div>
}
createRoot(document.getElementById('root')!).render(<App />)
